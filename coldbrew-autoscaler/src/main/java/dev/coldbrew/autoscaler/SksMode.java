package dev.coldbrew.autoscaler;

/** The ServerlessService mode: who the Revision's public endpoints point at. */
public enum SksMode {
  /** The activator is in the path. */
  PROXY("Proxy"),
  /** The Revision's ready instances take traffic directly. */
  SERVE("Serve");

  private final String value;

  SksMode(String value) {
    this.value = value;
  }

  /** The SKS {@code spec.mode} value, {@code Proxy} or {@code Serve}. */
  public String value() {
    return value;
  }
}
