"""村规民约 (village compact): an example Gongzhi plugin built on the consultation plugin."""
