package dev.coldbrew.api.model;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;

/**
 * The one container of a Revision. The local runtime runs {@code command} + {@code args} as a
 * process, or {@code image} as a container ({@link dev.coldbrew.api.runtime.Engine}); the
 * Kubernetes runtime runs {@code image}. Fields that only make sense on Kubernetes are kept as raw
 * JSON. Not thread-safe.
 */
public class Container {
  public String name;
  public String image;
  public List<String> command;
  public List<String> args;
  public String workingDir;
  public List<ContainerPort> ports;
  public List<EnvVar> env;
  public JsonNode envFrom;
  public ResourceRequirements resources;
  public Probe readinessProbe;
  public Probe livenessProbe;
  public Probe startupProbe;
  public JsonNode volumeMounts;
  public JsonNode securityContext;
  public String imagePullPolicy;
  public String terminationMessagePath;
  public String terminationMessagePolicy;
}
