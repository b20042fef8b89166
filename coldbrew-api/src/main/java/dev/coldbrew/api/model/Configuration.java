package dev.coldbrew.api.model;

/** A Knative Configuration: stamps a new immutable Revision for each template change. */
public class Configuration extends Resource {
  public Spec spec = new Spec();
  public ConfigurationStatus status;

  public Configuration() {
    super(Kind.CONFIGURATION);
  }

  @Override
  public Kind resourceKind() {
    return Kind.CONFIGURATION;
  }

  @Override
  public Status status() {
    return status;
  }

  /** The configuration spec: the revision template. */
  public static class Spec {
    public RevisionTemplateSpec template = new RevisionTemplateSpec();
  }

  /** Which revisions were stamped and which is ready. */
  public static class ConfigurationStatus extends Status {
    public String latestCreatedRevisionName;
    public String latestReadyRevisionName;
  }
}
