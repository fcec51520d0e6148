"""customer-service (客户服务): the window and the dispatcher: one register of
service requests for every channel and kind."""
