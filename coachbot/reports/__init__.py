"""Pictures and files: uploaded photos, progress charts, photo comparisons, PDF reports,
CSV and ZIP exports. Adapters behind the domain's ports; `tools.ProgressTools` bundles
the ones the progress use cases need.

Nothing is imported here: matplotlib and reportlab take a second to load, and a process
that only needs the labels (the delivery worker) should not wait for them."""
