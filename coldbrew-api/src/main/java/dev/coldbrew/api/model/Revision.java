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

  /** Conditions, replica counts from the PodAutoscaler, and where logs are. */
  public static class RevisionStatus extends Status {
    public String logUrl;
    public Integer actualReplicas;
    public Integer desiredReplicas;
  }
}
