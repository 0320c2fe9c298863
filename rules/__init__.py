"""The rules, one module each; every module registers its rule with ``@rule`` on import.

The module and the rule share a name (``master_not_enabled.py`` is ``master-not-enabled``), and
the rule's docstring is its documentation.
"""
