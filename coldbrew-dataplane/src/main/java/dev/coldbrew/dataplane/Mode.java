package dev.coldbrew.dataplane;

/**
 * A revision's ServerlessService mode: where its public endpoint points. In {@link #PROXY} the
 * activator is in the path (it counts, holds and throttles); in {@link #SERVE} requests go straight
 * to an instance's queue. A revision in Serve mode with no ready instance still goes through the
 * activator, so a request is never refused because of scaling.
 */
public enum Mode {
  PROXY,
  SERVE
}
