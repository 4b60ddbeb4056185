"""Test builders and local fakes of the services famsbot talks to over the network."""
