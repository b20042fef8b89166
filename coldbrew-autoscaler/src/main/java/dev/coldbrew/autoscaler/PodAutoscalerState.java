package dev.coldbrew.autoscaler;

import dev.coldbrew.api.model.SksMode;
import java.time.Instant;

/**
 * What a PodAutoscaler remembers between reconciles (its status): the {@code Active} condition with
 * when it last changed, whether the scale target reached its initial scale, the SKS mode last
 * written and since when the activator has been in the path. Immutable; {@link
 * PodAutoscalerLogic#reconcile} returns the next one, which the owner stores.
 *
 * @param active the {@code Active} condition's status
 * @param reason its reason ({@code NoTraffic}, {@code Queued}, {@code TimedOut}), null when none
 * @param activeSince when the condition last changed (status or reason)
 * @param scaleTargetInitialized whether the Revision has once had {@code max(min, initial)} ready
 * @param sksMode the SKS mode written last
 * @param proxySince since when the activator is in the path (mode Proxy, or no ready instance);
 *     null while serving
 * @param desiredScale the status {@code desiredScale}: -1 unknown; a -1 never overwrites a value
 *     &gt;= 0
 */
public record PodAutoscalerState(
    Active active,
    String reason,
    Instant activeSince,
    boolean scaleTargetInitialized,
    SksMode sksMode,
    Instant proxySince,
    int desiredScale) {

  /** The PA's {@code Active} condition status. */
  public enum Active {
    /** {@code Active=True}. */
    ACTIVE,
    /** {@code Active=False}. */
    INACTIVE,
    /** {@code Active=Unknown}: instances are being brought up. */
    ACTIVATING;

    /** The condition status string: True, False or Unknown. */
    public String conditionStatus() {
      return switch (this) {
        case ACTIVE -> "True";
        case INACTIVE -> "False";
        case ACTIVATING -> "Unknown";
      };
    }
  }

  public static final String NO_TRAFFIC = "NoTraffic";
  public static final String QUEUED = "Queued";
  public static final String TIMED_OUT = "TimedOut";

  /** A new PA: activating, its SKS created in Proxy mode (with 2 activators). */
  public static PodAutoscalerState initial(Instant now) {
    return new PodAutoscalerState(Active.ACTIVATING, null, now, false, SksMode.PROXY, now, -1);
  }

  /**
   * A PA that had reached its initial scale before the platform restarted: its instances ended with
   * that run, so it starts at zero, Inactive, with the activator in the path.
   */
  public static PodAutoscalerState restarted(Instant now) {
    return new PodAutoscalerState(Active.INACTIVE, NO_TRAFFIC, now, true, SksMode.PROXY, now, 0);
  }

  /**
   * The state a PA resumes from when the platform starts: {@link #initial} for one that never ran,
   * {@link #restarted} for one initialized before, and for one whose last activation had timed out
   * (the revision failed to come up) Inactive with reason {@code TimedOut}, at zero: it is not
   * started again until a request asks for it, as Knative leaves such a Deployment at zero.
   */
  public static PodAutoscalerState resumed(boolean initialized, boolean timedOut, Instant now) {
    if (timedOut) {
      return new PodAutoscalerState(
          Active.INACTIVE, TIMED_OUT, now, initialized, SksMode.PROXY, now, 0);
    }
    return initialized ? restarted(now) : initial(now);
  }

  /** The condition message for the reason, as Knative writes it. */
  public String message() {
    if (reason == null) {
      return null;
    }
    return switch (reason) {
      case NO_TRAFFIC -> "The target is not receiving traffic.";
      case QUEUED -> "Requests to the target are being buffered as resources are provisioned.";
      case TIMED_OUT -> "The target could not be activated.";
      default -> null;
    };
  }

  PodAutoscalerState mark(Active status, String why, Instant now) {
    if (status == active && java.util.Objects.equals(why, reason)) {
      return this;
    }
    return new PodAutoscalerState(
        status, why, now, scaleTargetInitialized, sksMode, proxySince, desiredScale);
  }
}
