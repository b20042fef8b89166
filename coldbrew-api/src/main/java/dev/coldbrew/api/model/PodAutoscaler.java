package dev.coldbrew.api.model;

import com.fasterxml.jackson.annotation.JsonIgnore;
import java.time.Clock;

/**
 * Knative's PodAutoscaler: per Revision, its reachability in spec and its desired and actual scale
 * in status.
 */
public class PodAutoscaler extends Resource {
  public static final String REACHABLE = "Reachable";
  public static final String UNREACHABLE = "Unreachable";
  public static final String REACHABILITY_UNKNOWN = "";

  public Spec spec = new Spec();
  public PodAutoscalerStatus status;

  public PodAutoscaler() {
    super(Kind.POD_AUTOSCALER);
  }

  @Override
  public Kind resourceKind() {
    return Kind.POD_AUTOSCALER;
  }

  @Override
  public Status status() {
    return status;
  }

  @Override
  public PodAutoscalerStatus ensureStatus() {
    if (status == null) {
      status = new PodAutoscalerStatus();
    }
    return status;
  }

  /** What is scaled, whether it has traffic, and its protocol. */
  public static class Spec {
    public ObjectReference scaleTargetRef;
    public String reachability;
    public String protocolType;
  }

  /**
   * Desired and actual scale, and the services that carry the revision's traffic. {@code Active}
   * (instances are up or coming up for traffic), {@code ScaleTargetInitialized} (initial scale was
   * reached once) and {@code SKSReady} (the ServerlessService's Ready) roll up into Ready.
   */
  public static class PodAutoscalerStatus extends Status {
    /** True when instances serve, Unknown while activating, False when scaled to zero. */
    public static final String ACTIVE = "Active";

    /** Initial scale was reached once. */
    public static final String SCALE_TARGET_INITIALIZED = "ScaleTargetInitialized";

    /** The ServerlessService's Ready. */
    public static final String SKS_READY = "SKSReady";

    private static final ConditionSet CONDITIONS =
        ConditionSet.living(ACTIVE, SCALE_TARGET_INITIALIZED, SKS_READY);

    public String serviceName;
    public String metricsServiceName;
    public Integer desiredScale;
    public Integer actualScale;

    @Override
    protected ConditionSet conditionSet() {
      return CONDITIONS;
    }

    /**
     * Sets Active.
     *
     * @param status {@link Condition#TRUE} (active), {@link Condition#UNKNOWN} (activating) or
     *     {@link Condition#FALSE} (inactive, at zero)
     */
    public void markActive(String status, String reason, String message, Clock clock) {
      setCondition(ACTIVE, status, reason, message, clock);
    }

    /** Initial scale was reached. */
    public void markScaleTargetInitialized(Clock clock) {
      setCondition(SCALE_TARGET_INITIALIZED, Condition.TRUE, null, null, clock);
    }

    /** Initial scale was not reached yet ({@code Queued}). */
    public void markScaleTargetNotInitialized(Clock clock) {
      setCondition(SCALE_TARGET_INITIALIZED, Condition.UNKNOWN, "Queued", null, clock);
    }

    /** True when initial scale was reached once. */
    @JsonIgnore
    public boolean isScaleTargetInitialized() {
      return isTrue(SCALE_TARGET_INITIALIZED);
    }

    /**
     * Takes the ServerlessService's Ready as SKSReady; Unknown ({@code NoHealthyBackends}) while
     * there is no SKS or it has no Ready yet.
     */
    public void propagateSksStatus(ServerlessService.SksStatus sks, Clock clock) {
      propagateReady(SKS_READY, sks, "NoHealthyBackends", null, clock);
    }
  }

  /** A reference to the scaled object. */
  public static class ObjectReference {
    public String apiVersion;
    public String kind;
    public String name;
  }
}
