"""Reading and writing pipeline data: path resolution, record readers, atomic outputs."""
