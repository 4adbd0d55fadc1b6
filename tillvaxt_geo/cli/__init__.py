"""The ``tillvaxt-geo`` command line: one small module per subcommand."""
