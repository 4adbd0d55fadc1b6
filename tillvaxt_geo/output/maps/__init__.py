"""Interactive planning maps (folium): builders, drawing of layers, labels and offline HTML."""
