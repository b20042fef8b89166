package dev.coldbrew.api.model;

/** A header a probe sends. */
public class HttpHeader {
  public String name;
  public String value;
}
