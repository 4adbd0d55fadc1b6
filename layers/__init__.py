"""The embedded Ludvika–Smedjebacken layer set, installed as package data ``tillvaxt_geo.region``."""
