"""Reports: allure labels, the conformance-matrix report, job verdicts."""
