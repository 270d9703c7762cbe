"""Input validators. Each returns the normalised value or raises `ValidationError`.

Messages are lazy gettext strings with Chinese msgids, translated per request.
"""
from portal.validators.contact import (validate_address_in_province, validate_email,
                                       validate_landline, validate_mobile)
from portal.validators.identity import (division_code_of, make_credit_code, make_resident_id,
                                        normalise_cert_number, validate_certificate,
                                        validate_credit_code, validate_resident_id)
from portal.validators.names import check_service_name, normalise_name, to_half_width
from portal.validators.network import (display_domain, homepage_host, normalise_domain,
                                       validate_homepage, validate_ip)
from portal.validators.numbers import (FilingNumber, format_service_number,
                                       format_subject_number, is_filing_number_like,
                                       parse_filing_number, parse_licence_number)

__all__ = [
    "FilingNumber", "check_service_name", "display_domain", "division_code_of",
    "format_service_number", "format_subject_number", "homepage_host", "is_filing_number_like",
    "make_credit_code", "make_resident_id", "normalise_cert_number", "normalise_domain",
    "normalise_name", "parse_filing_number", "parse_licence_number", "to_half_width",
    "validate_address_in_province", "validate_certificate", "validate_credit_code",
    "validate_email", "validate_homepage", "validate_ip", "validate_landline",
    "validate_mobile", "validate_resident_id",
]
