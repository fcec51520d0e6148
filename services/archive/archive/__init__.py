"""archive (档案管理): master data (estates, households), the permanent record of
what the other services did, and the change log of master data."""
