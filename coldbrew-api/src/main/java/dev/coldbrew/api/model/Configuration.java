package dev.coldbrew.api.model;

import java.time.Clock;

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

  @Override
  public ConfigurationStatus ensureStatus() {
    if (status == null) {
      status = new ConfigurationStatus();
    }
    return status;
  }

  /** The configuration spec: the revision template. */
  public static class Spec {
    public RevisionTemplateSpec template = new RevisionTemplateSpec();
  }

  /**
   * Which revisions were stamped and which is ready. A Configuration has no other conditions: its
   * Ready follows its latest created Revision (True when that one is ready, False when it failed,
   * Unknown meanwhile).
   */
  public static class ConfigurationStatus extends Status {
    /** Ready's reason when the latest created Revision failed or cannot be used. */
    public static final String REVISION_FAILED = "RevisionFailed";

    private static final ConditionSet CONDITIONS = ConditionSet.living();

    public String latestCreatedRevisionName;
    public String latestReadyRevisionName;

    @Override
    protected ConditionSet conditionSet() {
      return CONDITIONS;
    }

    /** A Revision of the name this Configuration would stamp exists and is not its own. */
    public void markRevisionNotOwned(String revision, Clock clock) {
      setCondition(
          READY,
          Condition.FALSE,
          REVISION_FAILED,
          "Revision \"" + revision + "\" exists and is not owned by this Configuration.",
          clock);
    }

    /** The latest created Revision is ready: it becomes the latest ready one. */
    public void markLatestReady(String revision, Clock clock) {
      latestReadyRevisionName = revision;
      setCondition(READY, Condition.TRUE, null, null, clock);
    }

    /** The latest created Revision failed, with its Ready message. */
    public void markLatestCreatedFailed(String revision, String message, Clock clock) {
      setCondition(
          READY,
          Condition.FALSE,
          REVISION_FAILED,
          "Revision \"" + revision + "\" failed with message: " + message + ".",
          clock);
    }

    /**
     * The latest created Revision is not ready yet.
     *
     * @param configuration this Configuration's name, for the message
     * @param revisionReady the Revision's Ready condition, whose reason is taken; null when it has
     *     none yet ({@code Deploying})
     */
    public void markLatestCreatedNotReady(
        String configuration, Condition revisionReady, Clock clock) {
      setCondition(
          READY,
          Condition.UNKNOWN,
          revisionReady == null ? Revision.RevisionStatus.DEPLOYING : revisionReady.reason,
          "Configuration \"" + configuration + "\" is waiting for a Revision to become ready.",
          clock);
    }
  }
}
