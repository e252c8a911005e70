"""Real cities: OpenStreetMap extracts imported onto the lattice (``polsim city import``).

One module per concern: :mod:`~polsim.cities.osm` reads the extract (pyosmium),
:mod:`~polsim.cities.tags` holds the tag-to-layer rules (the table of docs/cities.md),
:mod:`~polsim.cities.projection` lays the lattice in the UTM zone of the area,
:mod:`~polsim.cities.rasterise` burns geometries onto it (rasterio, shapely),
:mod:`~polsim.cities.roads`, :mod:`~polsim.cities.landuse` and :mod:`~polsim.cities.coast` make
the layers, :mod:`~polsim.cities.police_areas` the districts, stations and grids,
:mod:`~polsim.cities.build` runs the import, :mod:`~polsim.cities.cityfile` writes and reads the
city file, :mod:`~polsim.cities.preview` draws it, and :mod:`~polsim.cities.source` resolves a
scenario's ``[city] source``. Travel on the city's road network is the engine's one rule
(:mod:`polsim.rules.travel`). The optional packages (the ``osm`` extra) are imported only when used.
"""
