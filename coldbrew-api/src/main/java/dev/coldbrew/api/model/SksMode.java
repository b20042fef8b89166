package dev.coldbrew.api.model;

import com.fasterxml.jackson.annotation.JsonValue;

/**
 * A ServerlessService's mode, Knative's {@code spec.mode}: who a Revision's public endpoints point
 * at. The one spelling of the mode everywhere — the SKS resource, the autoscaler's decisions, the
 * data plane's per-revision state and the reconcilers' calls to it. In JSON and YAML it is written
 * {@code Proxy} or {@code Serve} (any other value is refused when decoding). Immutable.
 */
public enum SksMode {
  /**
   * The activator is in the path: it counts, holds and throttles requests (the Revision has no
   * ready instance, or too little spare capacity for a burst).
   */
  PROXY("Proxy"),
  /** The Revision's ready instances take requests directly. */
  SERVE("Serve");

  private final String wireName;

  SksMode(String wireName) {
    this.wireName = wireName;
  }

  /** {@code Proxy} or {@code Serve}, as written in the SKS spec. */
  @JsonValue
  public String wireName() {
    return wireName;
  }

  @Override
  public String toString() {
    return wireName;
  }
}
