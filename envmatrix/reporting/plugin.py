"""pytest hooks of the reports (matrix report, allure labels, gate verdict)."""
