from clt_plugin.resources import configs_path


def add_arguments(parser):
    pass


def run(args):
    print(configs_path())
    return 0
