package dev.coldbrew.store;

/**
 * A store operation that failed for a reason callers handle: the resource is missing, exists, was
 * changed since it was read, the request is invalid, or the store cannot be used. The message names
 * the resource ({@code Service default/hello}) and what to do.
 */
public class StoreException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  /** Why an operation failed. */
  public enum Reason {
    /** The resource does not exist. */
    NOT_FOUND,
    /** A resource of that kind, namespace and name exists. */
    ALREADY_EXISTS,
    /** The resourceVersion given is not the stored one: read again and retry. */
    CONFLICT,
    /** The request is malformed (missing name, namespace or resourceVersion). */
    INVALID,
    /** The store's file is not a readable Coldbrew database; nothing was changed. */
    CORRUPT,
    /** The store is closed, locked by another process, or its disk failed. */
    UNAVAILABLE
  }

  private final Reason reason;

  public StoreException(Reason reason, String message) {
    super(message);
    this.reason = reason;
  }

  public StoreException(Reason reason, String message, Throwable cause) {
    super(message, cause);
    this.reason = reason;
  }

  public Reason reason() {
    return reason;
  }
}
