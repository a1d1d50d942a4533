"""Results loading, transfer matrices, statistics, tables, plots and reports."""
