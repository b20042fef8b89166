package dev.coldbrew.api.runtime;

/**
 * One ready instance: where it listens.
 *
 * @param id unique for the life of the platform, e.g. {@code hello-00001-7f3a}
 * @param host the address it listens on, e.g. {@code 127.0.0.1}
 * @param port its port
 */
public record Instance(String id, String host, int port) {
  /** {@code host:port}. */
  public String address() {
    return host + ":" + port;
  }
}
