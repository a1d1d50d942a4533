from clt_plugin.resources import tasks_path


def add_arguments(parser):
    pass


def run(args):
    print(tasks_path())
    return 0
