package dev.coldbrew.store;

/** A running {@link Store#watch}. Closing it stops delivery; thread-safe and idempotent. */
public interface Watch extends AutoCloseable {
  @Override
  void close();
}
