"""The customer evaluator (评价器) beside a counter: the customer rates the service just done."""
