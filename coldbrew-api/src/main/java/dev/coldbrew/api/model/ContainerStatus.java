package dev.coldbrew.api.model;

/**
 * Knative's {@code status.containerStatuses[]} entry of a Revision: the container's name and the
 * digest its image tag resolved to when the Revision was created (e.g. {@code
 * localhost/hello@sha256:…}); instances run that digest, so retagging the image never changes a
 * Revision. Not thread-safe.
 */
public class ContainerStatus {
  public String name;
  public String imageDigest;

  public ContainerStatus() {}

  public ContainerStatus(String name, String imageDigest) {
    this.name = name;
    this.imageDigest = imageDigest;
  }
}
