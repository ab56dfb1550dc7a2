# The conformance plugin (options, implementation fixture, reports) is also a
# pytest11 entry point; loading it here makes a plain checkout work uninstalled.
pytest_plugins = ["conformance.plugin"]
