package dev.coldbrew.api.model;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;

/**
 * A Revision's spec: Knative's PodSpec subset plus the serving fields. Kubernetes-only pod fields
 * are kept as raw JSON so manifests written for Knative apply unchanged.
 */
public class RevisionSpec {
  public List<Container> containers;
  public Long containerConcurrency;
  public Long timeoutSeconds;
  public Long responseStartTimeoutSeconds;
  public Long idleTimeoutSeconds;
  public String serviceAccountName;
  public JsonNode volumes;
  public JsonNode imagePullSecrets;
  public Boolean enableServiceLinks;
  public JsonNode nodeSelector;
  public JsonNode tolerations;
  public JsonNode affinity;
  public JsonNode securityContext;
  public JsonNode topologySpreadConstraints;
  public String runtimeClassName;
  public String priorityClassName;
  public String schedulerName;
  public JsonNode dnsPolicy;
  public JsonNode dnsConfig;
  public JsonNode hostAliases;
  public JsonNode initContainers;
  public Boolean automountServiceAccountToken;

  /** The containers, created empty on first use. */
  public List<Container> containers() {
    if (containers == null) {
      containers = new ArrayList<>();
    }
    return containers;
  }

  /** The first container, or null. */
  public Container container() {
    return containers == null || containers.isEmpty() ? null : containers.get(0);
  }

  /**
   * Whether the app speaks HTTP/2 in cleartext: its container's port is named {@code h2c}, as in
   * Knative.
   */
  public boolean h2c() {
    Container c = container();
    return c != null && c.ports != null && !c.ports.isEmpty() && "h2c".equals(c.ports.get(0).name);
  }
}
