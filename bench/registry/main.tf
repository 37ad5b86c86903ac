# Terraform 1.11 with the aws provider 5.100: the registry baseline of bench/registry.py (registry policy, two
# replication rules, scanning, a creation template, a pull through cache rule).
variable "endpoint" { type = string }
variable "region" { type = string }
variable "account" { type = string }

terraform {
  required_providers {
    aws = { source = "hashicorp/aws", version = "5.100.0" }
  }
}

provider "aws" {
  region                      = var.region
  access_key                  = "testing"
  secret_key                  = "testing"
  skip_credentials_validation = true
  skip_metadata_api_check     = true
  # the registry-level resources take the account id (STS, at the stack) as their id: without it the scanning and
  # replication configurations read back as absent ("Root object was present, but now absent")
  skip_requesting_account_id = false
  skip_region_validation     = true
  endpoints {
    ecr = var.endpoint
    sts = var.endpoint
    kms = var.endpoint
    iam = var.endpoint
  }
}

resource "aws_ecr_registry_policy" "baseline" {
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Sid       = "ReplicateIn"
      Effect    = "Allow"
      Principal = { AWS = "arn:aws:iam::210987654321:root" }
      Action    = ["ecr:CreateRepository", "ecr:ReplicateImage"]
      Resource  = "arn:aws:ecr:${var.region}:${var.account}:repository/*"
    }]
  })
}

resource "aws_ecr_replication_configuration" "baseline" {
  replication_configuration {
    rule {
      destination {
        region      = "eu-west-1"
        registry_id = var.account
      }
      repository_filter {
        filter      = "platform/"
        filter_type = "PREFIX_MATCH"
      }
    }
    rule {
      destination {
        region      = "us-east-1"
        registry_id = "210987654321"
      }
      repository_filter {
        filter      = "shared/"
        filter_type = "PREFIX_MATCH"
      }
    }
  }
}

resource "aws_ecr_registry_scanning_configuration" "baseline" {
  scan_type = "ENHANCED"
  rule {
    scan_frequency = "CONTINUOUS_SCAN"
    repository_filter {
      filter      = "prod-*"
      filter_type = "WILDCARD"
    }
  }
}

resource "aws_ecr_repository_creation_template" "baseline" {
  prefix               = "ecr-public"
  applied_for          = ["PULL_THROUGH_CACHE"]
  image_tag_mutability = "MUTABLE"
  encryption_configuration {
    encryption_type = "AES256"
  }
  lifecycle_policy = jsonencode({
    rules = [{
      rulePriority = 1
      description  = "Expire images not pulled for 90 days"
      selection = {
        tagStatus   = "any"
        countType   = "sinceImagePulled"
        countUnit   = "days"
        countNumber = 90
      }
      action = { type = "expire" }
    }]
  })
}

resource "aws_ecr_pull_through_cache_rule" "baseline" {
  ecr_repository_prefix = "ecr-public"
  upstream_registry_url = "public.ecr.aws"
}
