"""The services: their names on the bus and the nameko class that runs each."""
SERVICES = {
    "customer_service": "customer_service.service:CustomerService",
    "maintenance": "maintenance.service:MaintenanceService",
    "security_patrol": "security_patrol.service:SecurityPatrolService",
    "finance": "finance.service:FinanceService",
    "archive": "archive.service:ArchiveService",
    "integrations": "integrations.service:IntegrationsService",
}
