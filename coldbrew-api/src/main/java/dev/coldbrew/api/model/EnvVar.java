package dev.coldbrew.api.model;

import com.fasterxml.jackson.databind.JsonNode;

/** An environment variable of a container. {@code valueFrom} is accepted for Kubernetes only. */
public class EnvVar {
  public String name;
  public String value;
  public JsonNode valueFrom;

  public EnvVar() {}

  public EnvVar(String name, String value) {
    this.name = name;
    this.value = value;
  }
}
