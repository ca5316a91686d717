"""Progress: metrics a client logs, goals with milestones, achievements, trends, and the
data the charts, reports and exports are drawn from."""
