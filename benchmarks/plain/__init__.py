"""The bare-Django floor for `bulk_load_benchmark.py`: one plain model with taggit tags.

No receivers, no derived columns, no custom through model: what `loaddata` costs
for the same rows when nothing but Django and taggit does the work. It has no
migrations (the benchmark runs `migrate --run-syncdb`) and its own settings, so it
never touches the newsroom's database.
"""
