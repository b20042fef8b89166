package dev.coldbrew.api.runtime;

/**
 * Why a revision's image could not be resolved to a digest, as the Revision's status shows it: a
 * reason in Knative's style ({@code ContainerMissing}, {@code ContainerEngineMissing}) and the
 * engine's message. Immutable.
 */
public final class ImageResolutionException extends RuntimeException {
  private static final long serialVersionUID = 1L;
  private final String reason;

  public ImageResolutionException(String reason, String message) {
    super(message);
    this.reason = reason;
  }

  /** The condition reason. */
  public String reason() {
    return reason;
  }
}
