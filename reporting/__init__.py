"""The planning bureau's record of how the SOP is kept: a reporting database of every step
event across processes and years, official numbers, archive metadata, and the figures."""
