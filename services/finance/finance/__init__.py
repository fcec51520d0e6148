"""finance (费用收取与财务管理): fee standards, billing, payments, receipts,
journals, arrears and disclosure."""
