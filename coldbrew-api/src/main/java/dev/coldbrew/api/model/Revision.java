package dev.coldbrew.api.model;

import java.time.Clock;
import java.util.List;

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

  @Override
  public RevisionStatus ensureStatus() {
    if (status == null) {
      status = new RevisionStatus();
    }
    return status;
  }

  /**
   * Conditions, replica counts from the PodAutoscaler, and where logs are. {@code
   * ResourcesAvailable} (the instances could be started: initial scale reached, no progress
   * deadline missed) and {@code ContainerHealthy} (the instances run without crashing) roll up into
   * Ready. A Revision scaled to zero stays Ready. {@code containerStatuses} holds the image digest
   * each container runs (set once, when the image was resolved).
   */
  public static class RevisionStatus extends Status {
    /** Whether the Revision's instances could be brought up. */
    public static final String RESOURCES_AVAILABLE = "ResourcesAvailable";

    /** Whether the Revision's instances run without crashing. */
    public static final String CONTAINER_HEALTHY = "ContainerHealthy";

    /** The reason while the first instances are starting. */
    public static final String DEPLOYING = "Deploying";

    /** The reason while a container image is being resolved to a digest. */
    public static final String RESOLVING_DIGESTS = "ResolvingDigests";

    /** No instance became ready within the progress deadline. */
    public static final String PROGRESS_DEADLINE_EXCEEDED = "ProgressDeadlineExceeded";

    private static final ConditionSet CONDITIONS =
        ConditionSet.living(RESOURCES_AVAILABLE, CONTAINER_HEALTHY);

    public String logUrl;
    public Integer actualReplicas;
    public Integer desiredReplicas;
    public List<ContainerStatus> containerStatuses;

    @Override
    protected ConditionSet conditionSet() {
      return CONDITIONS;
    }

    /** The instances came up: initial scale was reached. */
    public void markResourcesAvailable(Clock clock) {
      setCondition(RESOURCES_AVAILABLE, Condition.TRUE, null, null, clock);
    }

    /** The instances could not be brought up, for this reason. */
    public void markResourcesUnavailable(String reason, String message, Clock clock) {
      setCondition(RESOURCES_AVAILABLE, Condition.FALSE, reason, message, clock);
    }

    /** Whether the instances can be brought up is not known yet. */
    public void markResourcesAvailableUnknown(String reason, String message, Clock clock) {
      setCondition(RESOURCES_AVAILABLE, Condition.UNKNOWN, reason, message, clock);
    }

    /** No instance became ready within the progress deadline ({@code ResourcesAvailable=False}). */
    public void markProgressDeadlineExceeded(String message, Clock clock) {
      markResourcesUnavailable(PROGRESS_DEADLINE_EXCEEDED, message, clock);
    }

    /** True when the last attempt to bring up instances missed the progress deadline. */
    public boolean hasExceededProgressDeadline() {
      Condition c = condition(RESOURCES_AVAILABLE);
      return c != null && c.isFalse() && PROGRESS_DEADLINE_EXCEEDED.equals(c.reason);
    }

    /** The instances run. */
    public void markContainerHealthy(Clock clock) {
      setCondition(CONTAINER_HEALTHY, Condition.TRUE, null, null, clock);
    }

    /** The instances crash or fail their probes ({@code ExitCode3}, …). */
    public void markContainerUnhealthy(String reason, String message, Clock clock) {
      setCondition(CONTAINER_HEALTHY, Condition.FALSE, reason, message, clock);
    }

    /** Whether the instances run is not known yet. */
    public void markContainerHealthyUnknown(String reason, String message, Clock clock) {
      setCondition(CONTAINER_HEALTHY, Condition.UNKNOWN, reason, message, clock);
    }

    /** The resolved image of the first container, or null before it was resolved. */
    public String imageDigest() {
      return containerStatuses == null || containerStatuses.isEmpty()
          ? null
          : containerStatuses.get(0).imageDigest;
    }
  }
}
