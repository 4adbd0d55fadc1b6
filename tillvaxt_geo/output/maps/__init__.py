"""Interactive planning maps (folium): map builders, layer drawing, labels, HTML pieces, offline assets, saving."""
