package dev.coldbrew.api.model;

/** A Knative Revision: an immutable snapshot of a template, and the unit that scales. */
public class Revision extends Resource {
  public RevisionSpec spec = new RevisionSpec();
  public RevisionStatus status;

  public Revision() {
    super(Kind.REVISION);
  }

  @Override
  public Kind resourceKind() {
    return Kind.REVISION;
  }

  @Override
  public Status status() {
    return status;
  }

  /**
   * Conditions, replica counts from the PodAutoscaler, where logs are, and the image digest each
   * container runs (set once, when the image was resolved).
   */
  public static class RevisionStatus extends Status {
    public String logUrl;
    public Integer actualReplicas;
    public Integer desiredReplicas;
    public java.util.List<ContainerStatus> containerStatuses;

    /** The resolved image of the first container, or null before it was resolved. */
    public String imageDigest() {
      return containerStatuses == null || containerStatuses.isEmpty()
          ? null
          : containerStatuses.get(0).imageDigest;
    }
  }
}
