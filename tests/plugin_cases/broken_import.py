"""A plugin whose module cannot be imported."""

import gongzhi_module_that_does_not_exist  # noqa: F401
