"""One module per `clt` subcommand: `add_arguments(parser)` and `run(args) -> int`."""
