package dev.coldbrew.api.model;

/**
 * One entry of a traffic split: a revision (or the latest ready one), its percent, and an optional
 * tag. {@code url} appears in status only.
 */
public class TrafficTarget {
  public String tag;
  public String revisionName;
  public String configurationName;
  public Boolean latestRevision;
  public Long percent;
  public String url;

  public TrafficTarget() {}

  /** A copy of {@code other}. */
  public TrafficTarget(TrafficTarget other) {
    tag = other.tag;
    revisionName = other.revisionName;
    configurationName = other.configurationName;
    latestRevision = other.latestRevision;
    percent = other.percent;
    url = other.url;
  }
}
