"""risk's application layer: `profiles.RiskAssessment` scores returns and reads intelligence
against each provider's RiskProfile (the rules are in domain/); `views` are its read models."""

from services.risk.application.profiles import RiskAssessment

__all__ = ["RiskAssessment"]
