"""A plugin that requires the example plugin and says so in its person summary."""

from core import hookimpl
from core.manifest import PluginManifest

MANIFEST = PluginManifest(
    name="needs_example", title="依赖示例", version="0.1.0", requires=("example",)
)


@hookimpl
def provide_person_summary(person_id, session):
    return [("依赖示例", "在示例插件之后")]


@hookimpl
def provide_locality_title(locality, session):
    return f"{locality.name}（依赖示例）"
