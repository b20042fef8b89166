package dev.coldbrew.autoscaler;

/**
 * The observed metric of a Revision: revision-wide totals averaged over the stable and the panic
 * window.
 */
public record Observed(double stable, double panic) {}
