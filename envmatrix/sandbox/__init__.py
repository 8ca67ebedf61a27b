"""The embedded sandbox: moto server and reference service on loopback. Never imported by the core."""
