"""famsbot's test suite: a package, so that tests import their builders as ``tests.support``."""
