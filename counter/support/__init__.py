"""The support desk (服务岗): support staff take, note and hand back the clerks' referrals."""
