"""意见箱 (suggestion box): the smallest complete Gongzhi plugin, used by the tests and the docs."""
