"""The preview comparison page: instances on virtual books, their NAV curves side by side.

Modules, one idea each: :mod:`timeline` (trading-day index space: date ticks, quick ranges),
:mod:`colours` (a curve colour cycle readable on the current background), :mod:`date_axis`
(the pyqtgraph axes), :mod:`grid` (grid lines as two paths per pane), :mod:`legend` (the
legend table that doubles as the crosshair read-out), :mod:`nav_chart` (the chart),
:mod:`data` (what the page shows, read from the PreviewService on a worker thread),
:mod:`instance_list` (the instances and their metrics, with check boxes), :mod:`details`
(holdings and trades of one instance), :mod:`create_dialog` / :mod:`replay_dialog` (the
forms), :mod:`loader` (latest-wins loads on a worker thread) and :mod:`page` (all of it
composed, with the commands).
"""
