"""ipywidgets UIs for the chapters: one module per topic.

Each widget is a function that returns an ipywidget; its callback is a plain
function the tests call directly.  A setting that cannot work shows the
library's error message in the widget instead of a traceback.
"""

from ._base import FigureImage, MessageLine, guarded
